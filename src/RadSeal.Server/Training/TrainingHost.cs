using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RadSeal.Forensics.Pixels;
using RadSeal.Training.Accounts;
using RadSeal.Training.CaseSets;
using RadSeal.Training.Storage;
using RadSeal.Training.Studies;

namespace RadSeal.Server.Training;

/// <summary>How the server runs the reader-study app.</summary>
public sealed record TrainingHostOptions
{
    /// <summary>The store: a SQLite path, or postgresql://… / pg:connection-string (see TrainingStore.Open).</summary>
    public required string Db { get; init; }

    /// <summary>The password for the first admin account ("admin"), used only when no admin exists. Null: a random one is made and reported once.</summary>
    public string? AdminPassword { get; init; }

    /// <summary>Installs the bundled demo case set when the store holds no case set yet.</summary>
    public bool InstallDemo { get; init; } = true;

    /// <summary>PBKDF2 iterations for new password hashes (tests lower it; production keeps the default).</summary>
    public int PasswordIterations { get; init; } = PasswordHash.DefaultIterations;

    /// <summary>The pixel detector whose heatmaps the training phase shows; null shows none.</summary>
    public IPixelDetector? Detector { get; init; }
}

/// <summary>Opens the store when the host starts: tables, the demo case set, the first admin account.</summary>
public sealed class TrainingHost(TrainingHostOptions options) : IHostedService
{
    public const string AdminUsername = "admin";
    public const string Scheme = "radseal-training";

    private TrainingStore? _store;

    public TrainingHostOptions Options => options;

    /// <summary>The open store.</summary>
    public TrainingStore Store => _store ?? throw new InvalidOperationException("The training store is not open.");

    /// <summary>The generated first admin password, when this start created the admin account with one; otherwise null.</summary>
    public string? GeneratedAdminPassword { get; private set; }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var store = TrainingStore.Open(options.Db);
        await store.MigrateAsync(cancellationToken);
        if (await store.CountAdminsAsync(cancellationToken) == 0)
        {
            var password = options.AdminPassword;
            if (string.IsNullOrEmpty(password))
            {
                password = PasswordHash.NewRandomPassword();
                GeneratedAdminPassword = password;
            }
            await store.CreateUserAsync(AdminUsername, "Administrator", Role.Admin, "Other", PasswordHash.Create(password, options.PasswordIterations), cancellationToken);
        }
        if (options.InstallDemo && (await store.ListCaseSetsAsync(cancellationToken)).Count == 0)
        {
            var cases = CaseSetImport.Prepare(DemoCaseSet.Files(cancellationToken), cancellationToken);
            await store.AddCaseSetAsync(DemoCaseSet.Name, DemoCaseSet.Attribution, cases, cancellationToken);
        }
        _store = store;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Service registration for the training app.</summary>
public static class TrainingServiceCollectionExtensions
{
    /// <summary>Adds the store host, its own cookie scheme (not the default one, so other capabilities keep theirs) and antiforgery.</summary>
    public static IServiceCollection AddTraining(this IServiceCollection services, TrainingHostOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<TrainingHost>();
        services.AddHostedService(sp => sp.GetRequiredService<TrainingHost>());
        services.AddAuthentication().AddCookie(TrainingHost.Scheme, o =>
        {
            o.Cookie.Name = "radseal_training";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            o.LoginPath = "/training/login";
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "radseal_training_csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__csrf";
        });
        return services;
    }
}
