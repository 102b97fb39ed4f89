using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Npgsql;

namespace TauTauRun.Web.Admin;

/// <summary>
/// The certificate that encrypts the Data Protection key ring before it goes into the database, so a
/// copy of the database alone cannot mint an admin cookie or a form token. It is one PEM file (the
/// certificate and its private key), kept outside the database: systemd hands it to the service with
/// <c>LoadCredential=</c> (found in <c>$CREDENTIALS_DIRECTORY</c>), or
/// <c>TauTauRun__DataProtection__KeyFile</c> names it. The run command makes its own in Development.
/// </summary>
public static class DataProtectionKeyFile
{
    public const string Setting = "TauTauRun:DataProtection:KeyFile";
    /// <summary>The credential's name in the unit's <c>LoadCredential=</c>.</summary>
    public const string CredentialName = "data-protection.pem";

    public static X509Certificate2 Load(IConfiguration configuration, IHostEnvironment environment)
    {
        var path = Path(configuration);
        if (path is null && environment.IsDevelopment())
        {
            path = System.IO.Path.GetFullPath(".local/data-protection.pem");
            if (!File.Exists(path))
                Create(path);
        }
        if (path is null)
            throw new StartupException($"No Data Protection key file: run under the unit (LoadCredential={CredentialName}:/etc/tautaurun/credentials/{CredentialName}, made by deploy/install.sh) or set TauTauRun__DataProtection__KeyFile");
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(path);
            return certificate.HasPrivateKey ? certificate
                : throw new StartupException($"The Data Protection key file {path} has no private key: it must hold the certificate and its key (docs/OPERATIONS.md, \"Data Protection key file\")");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot read the Data Protection key file {path}: {e.Message} (docs/OPERATIONS.md, \"Data Protection key file\")");
        }
    }

    /// <summary>A new self-signed RSA certificate with its key, readable by its owner only (what install.sh makes with openssl).</summary>
    public static void Create(string path)
    {
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=TauTauRun Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(file);
        writer.WriteLine(certificate.ExportCertificatePem());
        writer.WriteLine(rsa.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// Stops the start when a key the service would use cannot be decrypted with this key file (the
    /// database came with another one), instead of quietly making a new key and logging every admin
    /// out. Revoked and expired keys are never used, so they are not checked; an unreachable database
    /// or one not yet migrated is checked by nobody, as the service still starts without it.
    /// </summary>
    public static void EnsureKeyRingReadable(IServiceProvider services, ILogger logger)
    {
        IEnumerable<IKey> keys;
        try
        {
            keys = services.GetRequiredService<IKeyManager>().GetAllKeys();
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning("The Data Protection key ring was not checked: {Reason}", e.Message);
            return;
        }
        foreach (var key in keys.Where(k => !k.IsRevoked && k.ExpirationDate > DateTimeOffset.UtcNow))
        {
            try
            {
                _ = key.Descriptor;
            }
            catch (CryptographicException)
            {
                throw new StartupException($"The Data Protection key {key.KeyId} in the database cannot be decrypted with this key file: the database was encrypted with another one. Put that file back (docs/OPERATIONS.md, \"Data Protection key file\"), or run `tautaurun rotate-keys` to start a new key ring (every admin signs in again)");
            }
        }
    }

    private static string? Path(IConfiguration configuration) =>
        configuration[Setting] is { Length: > 0 } path ? path
        : configuration["CREDENTIALS_DIRECTORY"] is { Length: > 0 } credentials ? System.IO.Path.Combine(credentials, CredentialName)
        : null;
}
