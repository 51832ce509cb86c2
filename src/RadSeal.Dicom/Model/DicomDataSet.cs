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

    // Out-of-order additions are appended and sorted once on the next read, so a hostile file with its tags in
    // descending order costs O(n log n), not O(n^2) list insertions.
    private bool unsorted;

    public DicomDataSet() { }

    public DicomDataSet(IEnumerable<DicomItem> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        foreach (var e in elements)
        {
            Set(e);
        }
    }

    /// <summary>A shallow copy: the same elements, sequence items still belonging to this data set.</summary>
    public DicomDataSet Copy()
    {
        EnsureSorted();
        var copy = new DicomDataSet { UndefinedLength = UndefinedLength };
        copy.items.AddRange(items);
        return copy;
    }

    /// <summary>The data set whose sequence holds this item, or null at the top level.</summary>
    public DicomDataSet? Parent { get; private set; }

    /// <summary>For a sequence item: whether it was (and will be) encoded with undefined length and a delimiter.</summary>
    public bool UndefinedLength { get; set; } = true;

    public int Count
    {
        get
        {
            EnsureSorted();
            return items.Count;
        }
    }

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
        if (unsorted || items.Count == 0 || items[^1].Tag < item.Tag)
        {
            items.Add(item);
            unsorted |= items.Count > 1 && !(items[^2].Tag < item.Tag);
            return this;
        }
        if (items.Count > 64)
        {
            items.Add(item);
            unsorted = true;
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
        EnsureSorted();
        var i = IndexOf(tag);
        if (i < 0)
        {
            return false;
        }
        items.RemoveAt(i);
        return true;
    }

    /// <summary>Removes every element for which <paramref name="predicate"/> holds; returns how many.</summary>
    public int RemoveAll(Func<DicomItem, bool> predicate)
    {
        EnsureSorted();
        return items.RemoveAll(x => predicate(x));
    }

    public IEnumerator<DicomItem> GetEnumerator()
    {
        EnsureSorted();
        return items.GetEnumerator();
    }

    /// <summary>Sorts pending out-of-order additions; of repeated tags the last added wins (as with Set).</summary>
    internal void EnsureSorted()
    {
        if (!unsorted)
        {
            return;
        }
        var order = new (DicomItem Item, int Index)[items.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = (items[i], i);
        }
        Array.Sort(order, static (a, b) => a.Item.Tag.Value != b.Item.Tag.Value
            ? a.Item.Tag.Value.CompareTo(b.Item.Tag.Value)
            : a.Index.CompareTo(b.Index));
        items.Clear();
        foreach (var (item, _) in order)
        {
            if (items.Count > 0 && items[^1].Tag == item.Tag)
            {
                items[^1] = item;
            }
            else
            {
                items.Add(item);
            }
        }
        unsorted = false;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(DicomTag tag)
    {
        EnsureSorted();
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
