using System.Collections;

namespace RadSeal.Dicom;

/// <summary>
/// A data set (or a sequence item): elements kept in ascending tag order. Adding never validates values; validation is
/// a separate pass that reports findings. Items know their enclosing data set so that Specific Character Set is
/// inherited as PS3.5 6.1.2.5.2 says.
/// </summary>
public sealed partial class DicomDataSet : IReadOnlyCollection<DicomItem>
{
    private readonly List<DicomItem> items = [];

    public DicomDataSet() { }

    public DicomDataSet(IEnumerable<DicomItem> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        foreach (var e in elements)
        {
            Set(e);
        }
    }

    /// <summary>The data set whose sequence holds this item, or null at the top level.</summary>
    public DicomDataSet? Parent { get; private set; }

    /// <summary>For a sequence item: whether it was (and will be) encoded with undefined length and a delimiter.</summary>
    public bool UndefinedLength { get; set; } = true;

    public int Count => items.Count;

    public DicomItem this[DicomTag tag] =>
        TryGet(tag, out var item) ? item : throw new KeyNotFoundException($"The data set has no element {tag}.");

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    public bool TryGet(DicomTag tag, out DicomItem item)
    {
        var i = IndexOf(tag);
        item = i >= 0 ? items[i] : null!;
        return i >= 0;
    }

    public DicomItem? Find(DicomTag tag) => TryGet(tag, out var item) ? item : null;

    public DicomElement? FindElement(DicomTag tag) => Find(tag) as DicomElement;

    public DicomSequence? FindSequence(DicomTag tag) => Find(tag) as DicomSequence;

    /// <summary>Adds or replaces the element with the same tag, keeping ascending order.</summary>
    public DicomDataSet Set(DicomItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item is DicomSequence sq)
        {
            foreach (var child in sq.Items)
            {
                child.Parent = this;
            }
        }
        // Reading appends in ascending order: keep that path O(1).
        if (items.Count == 0 || items[^1].Tag < item.Tag)
        {
            items.Add(item);
            return this;
        }
        var i = IndexOf(item.Tag);
        if (i >= 0)
        {
            items[i] = item;
        }
        else
        {
            items.Insert(~i, item);
        }
        return this;
    }

    public bool Remove(DicomTag tag)
    {
        var i = IndexOf(tag);
        if (i < 0)
        {
            return false;
        }
        items.RemoveAt(i);
        return true;
    }

    /// <summary>Removes every element for which <paramref name="predicate"/> holds; returns how many.</summary>
    public int RemoveAll(Func<DicomItem, bool> predicate) => items.RemoveAll(x => predicate(x));

    public IEnumerator<DicomItem> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(DicomTag tag)
    {
        var key = tag.Value;
        int lo = 0, hi = items.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var v = items[mid].Tag.Value;
            if (v == key)
            {
                return mid;
            }
            if (v < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }
}
