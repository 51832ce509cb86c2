namespace RadSeal.Dicom.Tests.Model;

public class DicomDataSetTests
{
    private static DicomElement E(ushort group, ushort element, string value = "X ") =>
        new(new DicomTag(group, element), DicomVR.LO, System.Text.Encoding.ASCII.GetBytes(value));

    [Fact]
    public void Set_in_any_order_enumerates_in_ascending_tag_order()
    {
        var rng = new Random(11);
        for (var round = 0; round < 50; round++)
        {
            var tags = Enumerable.Range(0, rng.Next(0, 200))
                .Select(_ => new DicomTag((ushort)rng.Next(0x0008, 0x0020), (ushort)rng.Next(0, 0x40)))
                .ToList();
            var ds = new DicomDataSet();
            foreach (var t in tags)
            {
                ds.Set(E(t.Group, t.Element));
            }
            var expected = tags.Distinct().Order().ToList();
            Assert.Equal(expected, ds.Select(x => x.Tag));
            Assert.Equal(expected.Count, ds.Count);
            Assert.All(expected, t => Assert.True(ds.Contains(t)));
        }
    }

    [Fact]
    public void Set_replaces_an_element_with_the_same_tag_in_place()
    {
        var ds = new DicomDataSet().Set(E(0x0010, 0x0010, "A ")).Set(E(0x0008, 0x0060)).Set(E(0x0020, 0x000D));
        var replacement = E(0x0010, 0x0010, "BB");
        ds.Set(replacement);
        Assert.Equal(3, ds.Count);
        Assert.Same(replacement, ds[DicomTags.PatientName]);
        Assert.Equal([new DicomTag(0x0008, 0x0060), DicomTags.PatientName, new DicomTag(0x0020, 0x000D)], ds.Select(x => x.Tag));
        // Replacing the last element (the append fast path must not duplicate it).
        ds.Set(E(0x0020, 0x000D, "C "));
        Assert.Equal(3, ds.Count);
    }

    [Fact]
    public void Remove_keeps_the_order_and_reports_whether_it_removed()
    {
        var ds = new DicomDataSet([E(0x0010, 0x0020), E(0x0008, 0x0060), E(0x0010, 0x0010), E(0x0020, 0x0013)]);
        Assert.True(ds.Remove(DicomTags.PatientName));
        Assert.False(ds.Remove(DicomTags.PatientName));
        Assert.False(ds.Remove(new DicomTag(0x7FE0, 0x0010)));
        Assert.Equal([new DicomTag(0x0008, 0x0060), new DicomTag(0x0010, 0x0020), new DicomTag(0x0020, 0x0013)], ds.Select(x => x.Tag));
        Assert.Null(ds.Find(DicomTags.PatientName));
        Assert.Throws<KeyNotFoundException>(() => ds[DicomTags.PatientName]);
        // Set after Remove goes back where it belongs.
        ds.Set(E(0x0010, 0x0010));
        Assert.Equal([new DicomTag(0x0008, 0x0060), DicomTags.PatientName, new DicomTag(0x0010, 0x0020), new DicomTag(0x0020, 0x0013)], ds.Select(x => x.Tag));
    }

    [Fact]
    public void Random_Set_and_Remove_match_a_sorted_dictionary()
    {
        var rng = new Random(3);
        var ds = new DicomDataSet();
        var model = new SortedDictionary<DicomTag, DicomItem>();
        for (var i = 0; i < 5000; i++)
        {
            var tag = new DicomTag((ushort)rng.Next(0x0008, 0x000C), (ushort)rng.Next(0, 0x20));
            if (rng.Next(3) == 0)
            {
                Assert.Equal(model.Remove(tag), ds.Remove(tag));
            }
            else
            {
                var e = E(tag.Group, tag.Element);
                ds.Set(e);
                model[tag] = e;
            }
        }
        Assert.Equal(model.Values, ds);
    }

    [Fact]
    public void RemoveAll_removes_matches_and_keeps_order()
    {
        var ds = new DicomDataSet([E(0x0009, 0x0010), E(0x0008, 0x0060), E(0x0009, 0x1001), E(0x0010, 0x0010)]);
        Assert.Equal(2, ds.RemoveAll(x => x.Tag.IsPrivate));
        Assert.Equal([new DicomTag(0x0008, 0x0060), DicomTags.PatientName], ds.Select(x => x.Tag));
    }

    [Fact]
    public void Find_TryGet_and_typed_finders()
    {
        var item = new DicomDataSet().Set(E(0x0008, 0x0100));
        var sq = new DicomSequence(DicomTags.ReferencedImageSequence, [item]);
        var ds = new DicomDataSet().Set(E(0x0010, 0x0010)).Set(sq);
        Assert.Same(sq, ds.FindSequence(DicomTags.ReferencedImageSequence));
        Assert.Null(ds.FindElement(DicomTags.ReferencedImageSequence));
        Assert.NotNull(ds.FindElement(DicomTags.PatientName));
        Assert.Null(ds.FindSequence(DicomTags.PatientName));
        Assert.True(ds.TryGet(DicomTags.PatientName, out var found));
        Assert.Equal(DicomTags.PatientName, found.Tag);
        Assert.False(ds.TryGet(DicomTags.PixelData, out _));
    }

    [Fact]
    public void Sequence_items_know_their_parent()
    {
        var item = new DicomDataSet().Set(E(0x0008, 0x0100));
        Assert.Null(item.Parent);
        var ds = new DicomDataSet().Set(new DicomSequence(DicomTags.ReferencedImageSequence, [item]));
        Assert.Same(ds, item.Parent);
        Assert.Null(ds.Parent);
    }

    [Fact]
    public void Items_default_to_undefined_length()
    {
        Assert.True(new DicomDataSet().UndefinedLength);
        Assert.True(new DicomSequence(DicomTags.ReferencedImageSequence, []).UndefinedLength);
        Assert.Same(DicomVR.SQ, new DicomSequence(DicomTags.ReferencedImageSequence, []).VR);
    }

    [Fact]
    public void Null_arguments_throw()
    {
        Assert.Throws<ArgumentNullException>(() => new DicomDataSet().Set(null!));
        Assert.Throws<ArgumentNullException>(() => new DicomDataSet(null!));
    }

    [Fact]
    public void Many_elements_in_descending_order_with_repeats_sort_once_and_the_last_wins()
    {
        var ds = new DicomDataSet();
        for (var e = 20_000; e > 0; e--)
        {
            ds.Set(new DicomElement(new DicomTag(0x0011, (ushort)e), DicomVR.UN, new byte[] { 1, 2 }));
        }
        ds.Set(new DicomElement(new DicomTag(0x0011, 5), DicomVR.UN, new byte[] { 9, 9 }));
        Assert.Equal(20_000, ds.Count);
        var tags = ds.Select(x => x.Tag.Value).ToArray();
        Assert.Equal(tags.Order().ToArray(), tags);
        Assert.Equal(new byte[] { 9, 9 }, ((DicomElement)ds[new DicomTag(0x0011, 5)]).Value.GetMemory().ToArray());
    }

    [Fact]
    public void Copy_does_not_take_the_items_away_from_their_data_set()
    {
        var item = new DicomDataSet();
        var ds = new DicomDataSet().Set(new DicomSequence(new DicomTag(0x0008, 0x1140), [item]));
        var copy = ds.Copy();
        Assert.Same(ds, item.Parent);
        Assert.Equal(ds.Select(x => x.Tag), copy.Select(x => x.Tag));
    }
}
