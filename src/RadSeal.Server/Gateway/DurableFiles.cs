using System.Runtime.InteropServices;

namespace RadSeal.Server.Gateway;

/// <summary>
/// Writes that survive a power cut once they return: file contents fsynced, then the rename, then the directory
/// fsynced (a rename is only durable once its directory is). POSIX only; elsewhere directories are not synced.
/// Directory syncs are group commits (<see cref="GroupCommit"/>): images moving through the same folder at the same
/// time share one fsync, which is what keeps the spool's durability from costing a flush per step per image.
/// </summary>
internal static partial class DurableFiles
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, GroupCommit> Directories = new(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically and durably.</summary>
    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes.Span);
            stream.Flush(flushToDisk: true);
        }
        await MoveAsync(temp, path);
    }

    /// <summary>Renames a file (replacing the target) and syncs the directories involved.</summary>
    public static async Task MoveAsync(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        var toDir = Path.GetDirectoryName(Path.GetFullPath(to))!;
        var fromDir = Path.GetDirectoryName(Path.GetFullPath(from))!;
        await SyncDirectoryAsync(toDir);
        if (fromDir != toDir)
        {
            await SyncDirectoryAsync(fromDir);
        }
    }

    /// <summary>
    /// Renames a file and syncs only the target's directory: for a source whose removal need not be durable (a temp
    /// folder emptied at every start, or a spool folder whose leftover copy a restart recognises and removes), this
    /// saves a flush, and keeps the caller off the source folder's group commit.
    /// </summary>
    public static async Task MoveIntoAsync(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        await SyncDirectoryAsync(Path.GetDirectoryName(Path.GetFullPath(to))!);
    }

    /// <summary>Deletes a file and syncs its directory.</summary>
    public static async Task DeleteAsync(string path)
    {
        File.Delete(path);
        await SyncDirectoryAsync(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) on a file's contents, from its path.</summary>
    public static void SyncFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Makes the names created, renamed or removed in <paramref name="directory"/> durable (group commit).</summary>
    public static Task SyncDirectoryAsync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return Task.CompletedTask;
        }
        var full = Path.GetFullPath(directory);
        return Directories.GetOrAdd(full, d => new GroupCommit(() => SyncDirectory(d))).CommitAsync();
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
