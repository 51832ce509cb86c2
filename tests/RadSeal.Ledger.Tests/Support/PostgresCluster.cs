using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace RadSeal.Ledger.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster on loopback: initdb into a temp directory, pg_ctl start on a free port, one fresh
/// database per test, pg_ctl stop and delete at the end. As root (CI) the server runs as the 'postgres' user that
/// Debian's package creates, since PostgreSQL refuses to run as root. Missing PostgreSQL fails the tests with the
/// package to install; it never skips them.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private string _root = "";
    private string _bin = "";
    private int _databases;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
        {
            throw new InvalidOperationException("PostgreSQL is not installed: install the Debian package 'postgresql' (scripts/test.sh does).");
        }
        _root = Path.Combine(Path.GetTempPath(), "radseal-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", _root], asPostgres: false);
        }
        Port = FreePort();
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", Path.Combine(_root, "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], asPostgres: IsRoot);
        await RunAsync(Path.Combine(_bin, "pg_ctl"),
            ["-D", Path.Combine(_root, "data"), "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
             "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_root} -c fsync=on -c synchronous_commit=on", "start"],
            asPostgres: IsRoot);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A new empty database; returns its Npgsql connection string.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = $"radseal_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true, Timeout = 30 }.ToString();

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root.Length > 0 && Directory.Exists(Path.Combine(_root, "data")))
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], asPostgres: IsRoot, check: false);
        }
        if (_root.Length > 0 && Directory.Exists(_root))
        {
            Directory.Delete(_root, true);
        }
    }

    private static async Task RunAsync(string program, string[] args, bool asPostgres, bool check = true)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres)
        {
            foreach (var a in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}

[CollectionDefinition("postgres")]
public sealed class PostgresGroup : ICollectionFixture<PostgresCluster>
{
}
