using System.Runtime.InteropServices;

namespace RadSeal.Server.Gateway;

/// <summary>
/// Writes that survive a power cut once they return: file contents fsynced, then the rename, then the directory
/// fsynced (a rename is only durable once its directory is). POSIX only; elsewhere directories are not synced.
/// </summary>
internal static partial class DurableFiles
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically and durably.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        Move(temp, path);
    }

    /// <summary>Renames a file (replacing the target) and syncs the directories involved.</summary>
    public static void Move(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        var toDir = Path.GetDirectoryName(Path.GetFullPath(to))!;
        var fromDir = Path.GetDirectoryName(Path.GetFullPath(from))!;
        SyncDirectory(toDir);
        if (fromDir != toDir)
        {
            SyncDirectory(fromDir);
        }
    }

    /// <summary>Deletes a file and syncs its directory.</summary>
    public static void Delete(string path)
    {
        File.Delete(path);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) on a directory, so that names created, renamed or removed in it are on disk.</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new IOException($"{directory}: cannot open the directory to sync it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"{directory}: fsync failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const int ORdOnly = 0;

    // O_DIRECTORY is 0x10000 on x86-64 Linux and 0x4000 on arm64 Linux.
    private static readonly int ODirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
