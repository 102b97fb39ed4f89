using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace TauTauRun.Web.Registration;

/// <summary>
/// The secret in a runner's status link: 256 random bits, base64url. Only its SHA-256 is stored, and a
/// link is found by the hash of what was presented, so the secret is never compared byte by byte and
/// a copy of the database opens no runner's page.
/// </summary>
public static class StatusTokens
{
    private const int Length = 43; // 32 bytes in unpadded base64url

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static bool IsWellFormed(string? token) =>
        token is { Length: Length } && Base64Url.IsValid(token);

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.ASCII.GetBytes(token));
}
