using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using OtpNet;
using QRCoder;

namespace TauTauRun.Web.Admin;

/// <summary>
/// The second login factor: TOTP codes (RFC 6238: 30-second steps, 6 digits, SHA-1, as every
/// authenticator app reads them) with one step of clock skew either way, each code accepted once,
/// and one-time recovery codes of which only a hash is stored.
/// </summary>
public static class TwoFactor
{
    public const int RecoveryCodeCount = 10;
    private static readonly VerificationWindow Skew = new(previous: 1, future: 1);

    /// <summary>Which roles must use a second factor (<c>TauTauRun:Admin:TwoFactorRoles</c>; volunteers may enrol anyway).</summary>
    public static bool RequiredFor(IConfiguration configuration, string role) =>
        (configuration["TauTauRun:Admin:TwoFactorRoles"] ?? AdminPolicies.Admin)
        .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Contains(role, StringComparer.OrdinalIgnoreCase);

    /// <summary>160 random bits (RFC 4226's recommended length) as 32 base32 characters.</summary>
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)).TrimEnd('=');

    /// <summary>The otpauth:// address that authenticator apps read from the QR code.</summary>
    public static string EnrolmentUri(string secret, string username) =>
        new OtpUri(OtpType.Totp, secret, username, "TauTauRun").ToString();

    public static string QrSvg(string uri)
    {
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(new System.Drawing.Size(240, 240), "#000000", "#ffffff", drawQuietZones: true,
            sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>The time step the code belongs to (within the allowed skew), or null for a wrong code.</summary>
    public static long? MatchingStep(string secret, string code, DateTime utcNow) =>
        IsTotpShape(code) && new Totp(Base32Encoding.ToBytes(secret)).VerifyTotp(utcNow, code, out var step, Skew) ? step : null;

    public static bool IsTotpShape(string code) => code.Length == 6 && code.All(char.IsAsciiDigit);

    /// <summary>
    /// Records the step as used, unless this or a later step was used already: the row's lock and the
    /// comparison make a code usable once, even by two requests at the same moment.
    /// </summary>
    public static async Task<bool> UseStepAsync(NpgsqlTransaction transaction, long adminId, long step) =>
        await transaction.Connection!.ExecuteAsync("""
            UPDATE admins SET totp_last_step = @step
            WHERE id = @adminId AND (totp_last_step IS NULL OR totp_last_step < @step)
            """, new { adminId, step }, transaction) == 1;

    /// <summary>Replaces the admin's recovery codes with new ones and returns them: shown once, then only their hashes exist.</summary>
    public static async Task<IReadOnlyList<string>> NewRecoveryCodesAsync(NpgsqlTransaction transaction, long adminId)
    {
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        await transaction.Connection!.ExecuteAsync("DELETE FROM admin_recovery_codes WHERE admin_id = @adminId", new { adminId }, transaction);
        await transaction.Connection!.ExecuteAsync("""
            INSERT INTO admin_recovery_codes (admin_id, code_hash) SELECT @adminId, unnest(@hashes)
            """, new { adminId, hashes = codes.Select(RecoveryCodeHash).ToArray() }, transaction);
        return codes;
    }

    /// <summary>Marks the recovery code used and returns how many are left, or null when it is not an unused code of this admin.</summary>
    public static async Task<int?> UseRecoveryCodeAsync(NpgsqlTransaction transaction, long adminId, string code)
    {
        var used = await transaction.Connection!.ExecuteAsync("""
            UPDATE admin_recovery_codes SET used_at = now()
            WHERE admin_id = @adminId AND code_hash = @hash AND used_at IS NULL
            """, new { adminId, hash = RecoveryCodeHash(code) }, transaction);
        return used == 1
            ? await transaction.Connection!.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM admin_recovery_codes WHERE admin_id = @adminId AND used_at IS NULL", new { adminId }, transaction)
            : null;
    }

    /// <summary>
    /// 24 base32 characters (120 bits, so a plain SHA-256 is a safe way to store it: ASVS 6.5.2) in four
    /// groups, e.g. <c>k3jd9x-7q2mab-…</c>; typed with or without the dashes, in any case.
    /// </summary>
    private static string NewRecoveryCode()
    {
        var text = Base32Encoding.ToString(RandomNumberGenerator.GetBytes(15)).ToLowerInvariant();
        return string.Join('-', text.Chunk(6).Select(group => new string(group)));
    }

    private static byte[] RecoveryCodeHash(string code) =>
        SHA256.HashData(Encoding.ASCII.GetBytes(new string(code.Where(char.IsAsciiLetterOrDigit).ToArray()).ToUpperInvariant()));
}
