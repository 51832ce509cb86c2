using RadSeal.Dicom;
using RadSeal.Provenance.Verification;

namespace RadSeal.Provenance.Tests;

/// <summary>
/// A gateway verifies many images signed by one device at once, so they share one parsed certificate and one chain
/// cache: verifying concurrently, from a cold verifier each round, must give every image the same verdict.
/// </summary>
public class ConcurrentVerifyTests : IClassFixture<PkiFixture>
{
    private readonly PkiFixture pki;

    public ConcurrentVerifyTests(PkiFixture pki) => this.pki = pki;

    [Fact]
    public void Concurrent_verification_with_a_shared_certificate_passes_every_image()
    {
        foreach (var signer in new[] { pki.P256, pki.Rsa })
        {
            var files = Enumerable.Range(0, 8).Select(_ => Signing.RoundTrip(Signing.SignRich(signer))).ToArray();
            for (var round = 0; round < 20; round++)
            {
                var verifier = new SignatureVerifier(Signing.Policy(pki.Pki));
                var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
                Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
                {
                    var report = verifier.Verify(files[i % files.Length].DataSet);
                    if (!report.Passed)
                    {
                        failures.Add(string.Join(",", report.FailureCodes));
                    }
                });
                Assert.True(failures.IsEmpty, $"round {round}: {string.Join("; ", failures)}");
            }
        }
    }
}
