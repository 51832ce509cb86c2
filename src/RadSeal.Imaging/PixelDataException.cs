namespace RadSeal.Imaging;

/// <summary>Pixel data that cannot be read or written as asked: unsupported layout, inconsistent attributes, corrupt codec stream.</summary>
public sealed class PixelDataException : Exception
{
    public PixelDataException(string message) : base(message) { }

    public PixelDataException(string message, Exception inner) : base(message, inner) { }

    public PixelDataException() { }
}
