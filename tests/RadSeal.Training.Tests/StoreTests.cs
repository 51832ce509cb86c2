using System.Data.Common;
using RadSeal.Imaging;
using RadSeal.Ledger.Tests.Support;
using RadSeal.Training.Accounts;
using RadSeal.Training.CaseSets;
using RadSeal.Training.Metrics;
using RadSeal.Training.Storage;
using RadSeal.Training.Studies;

namespace RadSeal.Training.Tests;

/// <summary>One contract, run on SQLite and on a real PostgreSQL server: the same code path must behave the same.</summary>
internal static class StoreContract
{
    public static async Task RunAsync(TrainingStore store)
    {
        await store.MigrateAsync();
        await store.MigrateAsync(); // idempotent
        var admin = await store.CreateUserAsync("admin", "Admin", Role.Admin, "Other", PasswordHash.Create("admin-password-1", 1000));
        Assert.Equal(1, await store.CountAdminsAsync());
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.CreateUserAsync("admin", "Again", Role.Reader, "Other", PasswordHash.Create("x", 1000)));
        Assert.Equal(admin, await store.AuthenticateAsync("admin", "admin-password-1"));
        Assert.Null(await store.AuthenticateAsync("admin", "wrong"));
        Assert.Null(await store.AuthenticateAsync("nobody", "admin-password-1"));

        var cases = CaseSetImport.Prepare(DemoCaseSet.Files());
        var set = await store.AddCaseSetAsync("demo", "licence text", cases);
        Assert.Equal(12, set.Cases);
        // Nothing half-imported: a set whose second case collides fails as a whole.
        var clash = new[] { cases[0], cases[1] with { Name = cases[0].Name } };
        await Assert.ThrowsAnyAsync<DbException>(() => store.AddCaseSetAsync("clash", "x", clash));
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.AddCaseSetAsync("demo", "x", [cases[0]]));
        Assert.Single(await store.ListCaseSetsAsync());

        // 16-bit pixels come back exactly.
        var stored = await store.ListCasesAsync(set.Id);
        var deep = stored.Single(k => k.BitsStored == 16);
        var image = await store.GetImageAsync(deep);
        Assert.True(cases.Single(c => c.Name == deep.Name).Image.SamplesEqual(image!));

        var study = await store.CreateStudyAsync("study", [set.Id], [PhaseKind.Blinded, PhaseKind.Informed]);
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.CreateStudyAsync("empty", [], [PhaseKind.Informed]));
        var r1 = await store.CreateUserAsync("r1", "Reader One", Role.Reader, "Resident", PasswordHash.Create("reader-password-1", 1000));
        var r2 = await store.CreateUserAsync("r2", "Reader Two", Role.Reader, "Student", PasswordHash.Create("reader-password-2", 1000));
        var t1 = await store.CreateInvitationAsync(study.Id);
        var t2 = await store.CreateInvitationAsync(study.Id);
        Assert.Equal(study.Id, (await store.FindInvitationAsync(t1))!.Id);
        var e1 = await store.AcceptInvitationAsync(t1, r1.Id);
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.AcceptInvitationAsync(t1, r2.Id)); // single use
        Assert.Null(await store.FindInvitationAsync(t1));
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.AcceptInvitationAsync("forged", r2.Id));
        var e2 = await store.AcceptInvitationAsync(t2, r2.Id);
        Assert.Equal((2, 2), await store.CountInvitationsAsync(study.Id));
        // The stored order is the one the stored seed gives.
        var again = await store.GetEnrolmentAsync(study.Id, r1.Id);
        Assert.Equal(e1.Orders, again!.Orders);
        Assert.Equal(ReadingOrder.Shuffle(await store.StudyCaseIdsAsync(study.Id), 2, e1.Seed), again.Orders);
        Assert.NotEqual(e1.Orders[0], e2.Orders[0]);

        Assert.True(await store.MayViewCaseAsync(r1.Id, stored[0].Id));
        await store.SaveAnswerAsync(study.Id, 0, r1.Id, e1.Orders[0][0], new AnswerInput(null, null, 4, true, 1234));
        await store.SaveAnswerAsync(study.Id, 1, r1.Id, e1.Orders[1][0], new AnswerInput(Truth.Synthetic, 5, null, false, null));
        await store.SaveAnswerAsync(study.Id, 1, r2.Id, e2.Orders[1][0], new AnswerInput(Truth.Real, 2, null, false, 800));
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.SaveAnswerAsync(study.Id, 0, r1.Id, e1.Orders[0][0], new AnswerInput(null, null, 1, false, 1)));
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.SaveAnswerAsync(study.Id, 2, r1.Id, e1.Orders[0][0], new AnswerInput(null, null, 1, false, 1)));
        await Assert.ThrowsAsync<TrainingStoreException>(() => store.SaveAnswerAsync(study.Id, 0, admin.Id, e1.Orders[0][0], new AnswerInput(null, null, 1, false, 1)));

        var all = await store.AnswersAsync(study.Id);
        Assert.Equal(3, all.Count);
        var mine = await store.AnswersAsync(study.Id, r1.Id);
        Assert.Equal(2, mine.Count);
        Assert.All(mine, a => Assert.Equal("r1", a.Reader));
        var blinded = mine.Single(a => a.Phase == 0);
        Assert.Equal((PhaseKind.Blinded, 4, true, 1234L, (Truth?)null), (blinded.Kind, blinded.Quality!.Value, blinded.Flagged, blinded.ElapsedMs!.Value, blinded.Call));
        Assert.Equal(Truth.Synthetic, blinded.EffectiveCall);
        Assert.Null(mine.Single(a => a.Phase == 1).ElapsedMs);
        Assert.Equal(3, AnswerCsv.Write(all).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);
        Assert.Equal(2, StudyMetrics.Compute(study.Phases, all).Phases[1].Cohort.Answers);
        Assert.Equal([(r1.Username, 2L), (r2.Username, 1L)], (await store.ProgressAsync(study.Id)).Select(p => (p.Reader.Username, p.Answers)));

        await store.SetPasswordAsync(r1.Id, PasswordHash.Create("new-password-123", 1000));
        Assert.Null(await store.AuthenticateAsync("r1", "reader-password-1"));
        Assert.NotNull(await store.AuthenticateAsync("r1", "new-password-123"));
        Assert.Equal(Photometric.Monochrome2, image!.Photometric);
    }
}

public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("radseal-training-").FullName;

    [Fact]
    public Task The_store_contract_holds_on_sqlite() => StoreContract.RunAsync(TrainingStore.Open(Path.Combine(_dir, "t.db")));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }
}

[Collection("postgres")]
public sealed class PostgresStoreTests(PostgresCluster cluster)
{
    [Fact]
    public async Task The_store_contract_holds_on_postgresql()
    {
        var connection = await cluster.NewDatabaseAsync();
        var store = TrainingStore.Open("pg:" + connection);
        Assert.True(store.IsPostgres);
        await StoreContract.RunAsync(store);
    }

    [Fact]
    public async Task A_postgresql_uri_opens_the_same_store()
    {
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(await cluster.NewDatabaseAsync());
        var store = TrainingStore.Open($"postgresql://{connection.Username}@127.0.0.1:{connection.Port}/{connection.Database}");
        await store.MigrateAsync();
        Assert.Equal(0, await store.CountAdminsAsync());
    }
}
