using BenchmarkDotNet.Running;

namespace RadSeal.Benchmarks;

public static class Program
{
    /// <summary>
    /// `make-corpus DIR [CT_COUNT] [DX_COUNT]` writes the side-by-side corpus; `curves [KERMANY_DIR] [COUNT]` prints the
    /// watermark capacity–distortion tables; `ledger-append`, `ledger-append-http` and `ledger-build` are the ledger's
    /// throughput runners (bench/ledger.sh); anything else goes to BenchmarkDotNet
    /// (e.g. `--filter '*'`). `sign-corpus IN OUT KEY CERT PASSWORD SERIAL` and `verify-throughput DIR` serve
    /// bench/signatures.sh. `dimse-scp PORT OUTDIR [durable]` is RadSeal's storage SCP for bench/dimse.sh and bench/gateway.sh.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "make-corpus")
        {
            var ct = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 950;
            var dx = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 50;
            Corpus.Write(args[1], ct, dx);
            return 0;
        }
        if (args.Length >= 1 && args[0] == "curves")
        {
            Watermark.Curves.Run(args.Length > 1 ? args[1] : null, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100);
            return 0;
        }
        if (args.Length >= 1 && args[0] == "grid-sweep")
        {
            Watermark.Curves.RunSweep(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3000,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 16);
            return 0;
        }
        if (args.Length >= 1 && args[0] == "deployed")
        {
            Watermark.Curves.RunDeployed(args.Length > 1 ? args[1] : null, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100,
                args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3000);
            return 0;
        }
        if (args.Length >= 1 && args[0] == "timing")
        {
            Watermark.Timing.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3000,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 7);
            return 0;
        }
        if (args.Length == 7 && args[0] == "sign-corpus")
        {
            Signatures.SignCorpus.Run(args[1], args[2], args[3], args[4], args[5], args[6]);
            return 0;
        }
        if (args.Length >= 2 && args[0] == "verify-throughput")
        {
            Signatures.VerifyThroughput.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5);
            return 0;
        }
        if (args.Length is 3 or 4 && args[0] == "dimse-scp")
        {
            return Dicom.StoreScp.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2], args.Length == 4 && args[3] == "durable");
        }
        if (args.Length == 3 && args[0] == "gate-costs")
        {
            return Gateway.GateCosts.Run(args[1], args[2]);
        }
        if (args.Length >= 1 && args[0].StartsWith("ledger-", StringComparison.Ordinal))
        {
            return Ledger.LedgerRunner.Run(args);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
