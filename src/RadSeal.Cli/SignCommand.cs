using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Provenance.Keys;
using RadSeal.Provenance.Signatures;
using RadSeal.Provenance.Timestamps;

namespace RadSeal.Cli;

/// <summary>`radseal sign IN OUT --key KEY.pem --cert CERT.pem`: add a DICOM digital signature (PS3.15 Annex C).</summary>
internal static class SignCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("input") { Description = "DICOM file to sign" };
        var output = new Argument<string>("output") { Description = "Signed file to write (atomically; may equal the input)" };
        var key = new Option<string?>("--key") { Description = "Private key, PEM (PKCS#8, encrypted or not)" };
        var cert = new Option<string?>("--cert") { Description = "Signer certificate, PEM or DER" };
        var password = new Option<string?>("--password") { Description = "Where the key password is: env:NAME or file:PATH" };
        var pkcs11 = new Option<string?>("--pkcs11") { Description = "PKCS#11 module (.so) holding the key; with --token, --key-label, --pin" };
        var token = new Option<string?>("--token") { Description = "PKCS#11 token label" };
        var keyLabel = new Option<string?>("--key-label") { Description = "PKCS#11 label of the private key (and of its certificate unless --cert)" };
        var pin = new Option<string?>("--pin") { Description = "Where the PKCS#11 user PIN is: env:NAME or file:PATH" };
        var mac = new Option<string>("--mac") { Description = "MAC algorithm: SHA256 (default), SHA384, SHA512", DefaultValueFactory = _ => "SHA256" };
        mac.AcceptOnlyFromAmong("SHA256", "SHA384", "SHA512", "sha256", "sha384", "sha512");
        var profile = new Option<string>("--profile") { Description = "Signature profile: None (default), BaseRSA, CreatorRSA, AuthorizationRSA", DefaultValueFactory = _ => "None" };
        var tags = new Option<string[]>("--tag") { Description = "Sign only this element (keyword or gggg,eeee); repeatable. Default: every signable element", AllowMultipleArgumentsPerToken = false };
        var item = new Option<string?>("--item") { Description = "Sign a sequence item instead of the data set, e.g. ReferencedSeriesSequence[0]" };
        var purpose = new Option<int?>("--purpose") { Description = "Digital Signature Purpose, ASTM E1762 code 1-18 (as dcmsign +sp)" };
        var tsa = new Option<string?>("--tsa") { Description = "RFC 3161 time-stamp authority URL (HTTP); the token is stored as CMS_TSP" };
        var json = new Option<bool>("--json") { Description = "Describe the new signature as JSON" };
        var command = new Command("sign", "Add a DICOM digital signature to a file (interoperates with DCMTK dcmsign)")
        {
            input, output, key, cert, password, pkcs11, token, keyLabel, pin, mac, profile, tags, item, purpose, tsa, json,
        };
        command.SetAction(r =>
        {
            try
            {
                using var signer = LoadSigner(r.GetValue(key), r.GetValue(cert), r.GetValue(password), r.GetValue(pkcs11), r.GetValue(token), r.GetValue(keyLabel), r.GetValue(pin));
                var options = new SigningOptions
                {
                    Mac = MacAlgorithm.FromTerm(r.GetValue(mac)!.ToUpperInvariant())!,
                    Profile = SignatureProfile.FromName(r.GetValue(profile)!) ?? throw new UsageException($"unknown profile '{r.GetValue(profile)}'; use None, BaseRSA, CreatorRSA or AuthorizationRSA"),
                    Tags = r.GetValue(tags) is { Length: > 0 } t ? [.. t.Select(ParseTag)] : null,
                    ItemAddress = r.GetValue(item),
                    Purpose = r.GetValue(purpose),
                };
                using var http = r.GetValue(tsa) is null ? null : new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                if (http is not null)
                {
                    options = options with { TimestampAuthority = new HttpTimestampAuthority(new Uri(r.GetValue(tsa)!), http) };
                }
                return Run(r.GetValue(input)!, r.GetValue(output)!, signer, options, r.GetValue(json), stdout, stderr);
            }
            catch (Exception ex) when (ex is UsageException or SigningException or UriFormatException)
            {
                stderr.WriteLine($"radseal: sign: {ex.Message}");
                return ex is SigningException ? ExitCodes.SigningFailed : ExitCodes.Usage;
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"radseal: sign: {ex.Message}");
                return ex is CryptographicException ? ExitCodes.SigningFailed : ExitCodes.IOError;
            }
        });
        return command;
    }

    private static DicomTag ParseTag(string text)
    {
        try
        {
            return DicomSignatures.ParseTag(text);
        }
        catch (SigningException ex)
        {
            throw new UsageException("--tag: " + ex.Message);
        }
    }

    internal static SignatureKey LoadSigner(string? key, string? cert, string? password, string? module, string? token, string? keyLabel, string? pin)
    {
        if (module is not null)
        {
            if (token is null || keyLabel is null || pin is null)
            {
                throw new UsageException("--pkcs11 needs --token, --key-label and --pin");
            }
            return Pkcs11SignatureKey.Open(module, token, keyLabel, Secrets.Read(pin, "--pin"), cert);
        }
        if (key is null || cert is null)
        {
            throw new UsageException("give --key and --cert (or --pkcs11 with --token, --key-label, --pin)");
        }
        return SoftwareSignatureKey.Load(key, cert, Secrets.ReadOptional(password, "--password"));
    }

    private static int Run(string input, string output, SignatureKey signer, SigningOptions options, bool json, TextWriter stdout, TextWriter stderr)
    {
        DicomFile file;
        try
        {
            file = DicomFile.Open(input);
        }
        catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
        {
            return Failures.Report(stderr, input, ex);
        }
        DicomSignature signature;
        try
        {
            signature = DicomSigner.Sign(file, signer, options);
        }
        catch (Exception ex) when (ex is SigningException or MacStreamException or TimestampException or CryptographicException)
        {
            stderr.WriteLine($"radseal: {input}: cannot sign: {ex.Message}");
            return ExitCodes.SigningFailed;
        }
        try
        {
            file.Save(output, new WriteOptions { TransferSyntax = DicomSigner.OutputSyntax(file.TransferSyntax) });
        }
        catch (Exception ex) when (ex is DicomEncodingException or DicomFormatException or IOException or UnauthorizedAccessException)
        {
            return Failures.Report(stderr, output, ex);
        }
        if (json)
        {
            Json.Write(stdout, w => SignaturesCommand.WriteSignature(w, signature, integrity: null));
            stdout.WriteLine();
        }
        else
        {
            stdout.WriteLine($"{output}: signed by '{signer.Certificate.Subject}', {options.Mac.Term}, MAC ID {signature.MacId}, {signature.SignedTags.Count} elements, {signature.DateTimeText}{(signature.TimestampBytes is null ? "" : ", time-stamped")}");
        }
        return ExitCodes.Ok;
    }
}
