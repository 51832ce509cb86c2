using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RadSeal.Dicom.Networking;

/// <summary>
/// Asks the kernel to start writing a file's dirty pages now (Linux sync_file_range, SYNC_FILE_RANGE_WRITE: it does
/// not wait and promises nothing about durability). A receiver that will fsync the file anyway overlaps the disk writes
/// with the network transfer this way. Elsewhere, and if the call fails, nothing happens: the fsync still does it all.
/// </summary>
internal static partial class WriteBack
{
    /// <summary>Bytes received between two starts.</summary>
    public const long Chunk = 4L << 20;

    /// <summary>How far back each start reaches (the receiver's file buffer, whose bytes reach the kernel late).</summary>
    public const long Overlap = 64L << 10;

    private const uint SyncFileRangeWrite = 2;

    /// <summary>Starts write-back of <paramref name="handle"/> from <paramref name="offset"/> to its end.</summary>
    public static void Start(SafeFileHandle handle, long offset)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            _ = SyncFileRange((int)handle.DangerousGetHandle(), offset, 0, SyncFileRangeWrite);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc: the fsync does the writing.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long nbytes, uint flags);
}
