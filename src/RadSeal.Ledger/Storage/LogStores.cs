using Npgsql;

namespace RadSeal.Ledger.Storage;

/// <summary>Chooses a store from the one string a command line gives (<c>--db</c>).</summary>
public static class LogStores
{
    /// <summary>
    /// <c>postgresql://user[:password]@host[:port]/database</c> (or <c>postgres://</c>) and <c>pg:</c> followed by an
    /// Npgsql connection string open PostgreSQL; anything else is the path of a SQLite file.
    /// </summary>
    public static ILogStore Open(string db)
    {
        ArgumentException.ThrowIfNullOrEmpty(db);
        return PostgresConnectionString(db) is { } postgres ? new PostgresLogStore(postgres) : new SqliteLogStore(db);
    }

    /// <summary>True when <paramref name="db"/> names a PostgreSQL database.</summary>
    public static bool IsPostgres(string db) =>
        db.StartsWith("pg:", StringComparison.Ordinal) || db.StartsWith("postgresql://", StringComparison.Ordinal) || db.StartsWith("postgres://", StringComparison.Ordinal);

    /// <summary>
    /// The Npgsql connection string a <c>--db</c> value names, or null for a SQLite path. One reading of the string for
    /// every store `radseal serve` opens from it (the ledger here, the training app's store), so they never disagree.
    /// </summary>
    public static string? PostgresConnectionString(string db)
    {
        ArgumentException.ThrowIfNullOrEmpty(db);
        if (db.StartsWith("pg:", StringComparison.Ordinal))
        {
            return db[3..];
        }
        return IsPostgres(db) ? FromUri(new Uri(db)) : null;
    }

    private static string FromUri(Uri uri)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }
        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }
        return builder.ToString();
    }
}
