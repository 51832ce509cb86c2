namespace RadSeal.Watermark;

/// <summary>The mark cannot be embedded or restored as asked (no room, damaged mark, bad key).</summary>
public sealed class WatermarkException : Exception
{
    public WatermarkException(string message) : base(message) { }

    public WatermarkException(string message, Exception inner) : base(message, inner) { }

    public WatermarkException() { }
}
