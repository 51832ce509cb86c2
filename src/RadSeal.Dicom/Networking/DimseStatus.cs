namespace RadSeal.Dicom.Networking;

/// <summary>
/// A DIMSE status (0000,0900), PS3.7 Annex C. A small value type: the code travels on the wire; the well-known values
/// below are the ones RadSeal's store path sends or reads back.
/// </summary>
public readonly record struct DimseStatus(ushort Code)
{
    public static readonly DimseStatus Success = new(0x0000);

    /// <summary>Refused: not authorised (PS3.7 C.5.x 0x0124); the gateway's "policy says no".</summary>
    public static readonly DimseStatus NotAuthorized = new(0x0124);

    /// <summary>Failure: processing failure (0x0110).</summary>
    public static readonly DimseStatus ProcessingFailure = new(0x0110);

    /// <summary>Failure: SOP class not supported (0x0122).</summary>
    public static readonly DimseStatus SopClassNotSupported = new(0x0122);

    /// <summary>Failure: unrecognised operation (0x0211).</summary>
    public static readonly DimseStatus UnrecognizedOperation = new(0x0211);

    /// <summary>Refused: out of resources (C-STORE 0xA700).</summary>
    public static readonly DimseStatus OutOfResources = new(0xA700);

    /// <summary>Error: data set does not match SOP class (C-STORE 0xA900).</summary>
    public static readonly DimseStatus DataSetDoesNotMatchSopClass = new(0xA900);

    /// <summary>Error: cannot understand (C-STORE 0xC000).</summary>
    public static readonly DimseStatus CannotUnderstand = new(0xC000);

    /// <summary>Warning: coercion of data elements (C-STORE 0xB000).</summary>
    public static readonly DimseStatus CoercionOfDataElements = new(0xB000);

    /// <summary>
    /// RadSeal's own marker for "no response was received" (the instance was not sent or the association failed
    /// first); never sent on the wire. Counts as a failure.
    /// </summary>
    public static readonly DimseStatus NoResponse = new(0xFFFF);

    public bool IsSuccess => Code == 0x0000;

    /// <summary>Warnings (0x0001, 0x0107, 0x0116, 0xBxxx) still mean the instance was stored.</summary>
    public bool IsWarning => Code is 0x0001 or 0x0107 or 0x0116 || (Code & 0xF000) == 0xB000;

    /// <summary>Cancel (0xFE00) and pending (0xFF00, 0xFF01) are neither success nor failure.</summary>
    public bool IsFailure => !IsSuccess && !IsWarning && Code is not (0xFE00 or 0xFF00 or 0xFF01);

    public override string ToString() => $"0x{Code:X4}" + (Name is { } n ? $" ({n})" : "");

    private string? Name => Code switch
    {
        0x0000 => "Success",
        0x0110 => "Processing failure",
        0x0122 => "SOP class not supported",
        0x0124 => "Not authorized",
        0x0211 => "Unrecognized operation",
        0xA700 => "Out of resources",
        0xA900 => "Data set does not match SOP class",
        0xC000 => "Cannot understand",
        0xB000 => "Coercion of data elements",
        0xFFFF => "No response",
        _ => null,
    };
}
