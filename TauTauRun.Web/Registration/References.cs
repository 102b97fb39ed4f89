using System.Security.Cryptography;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Registration references such as <c>TTR-7K3M9Q</c>: Crockford's base32 (no I, L, O or U, so nothing
/// is misread over the phone or typed wrong into a bank transfer), about a billion values.
/// </summary>
public static class References
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New() => "TTR-" + RandomNumberGenerator.GetString(Alphabet, 6);
}
