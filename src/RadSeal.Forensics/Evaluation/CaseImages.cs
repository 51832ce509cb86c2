using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Evaluation;

/// <summary>Loads a case's pixels: PNG and JPEG by their signature, anything else as DICOM (frame data as stored).</summary>
public static class CaseImages
{
    /// <exception cref="InvalidDataException">The file is neither a picture nor DICOM with decodable pixels.</exception>
    public static GrayImage Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }
        if (info.Length > ImageFiles.MaxFileBytes)
        {
            throw new InvalidDataException($"{info.Length} bytes is larger than the {ImageFiles.MaxFileBytes}-byte limit");
        }
        var head = new byte[8];
        using (var stream = File.OpenRead(path))
        {
            stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        try
        {
            return ImageFiles.IsPicture(head) ? ImageFiles.Load(path) : DicomPixels.Read(DicomFile.Open(path));
        }
        catch (Exception ex) when (ex is PixelDataException or DicomFormatException or DicomEncodingException)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }
}
