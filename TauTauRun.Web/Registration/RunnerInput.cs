using System.Text;
using System.Text.RegularExpressions;

using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// How runners' typed values are cleaned and checked, the same on every form: trimmed, white space
/// folded, Unicode normalised (NFC), control characters and unreadable bytes refused.
/// </summary>
public static partial class RunnerInput
{
    /// <summary>The stored codes with their labels in the current language, in the form's order.</summary>
    public static IReadOnlyDictionary<string, string> Genders =>
        new[] { "F", "M", "X" }.ToDictionary(code => code, code => RunnerText.Get($"Gender.{code}"));

    public static readonly IReadOnlyList<string> TshirtSizes = ["XS", "S", "M", "L", "XL", "XXL"];

    /// <summary>One line of text: trimmed, inner white space folded to single spaces, NFC.</summary>
    public static string Line(string? value) =>
        Nfc(Whitespace().Replace((value ?? "").Trim(), " "));

    /// <summary>Free text that may span lines: trimmed, line endings unified, NFC.</summary>
    public static string Text(string? value) =>
        Nfc((value ?? "").Trim().ReplaceLineEndings("\n"));

    /// <summary>
    /// NFC, with what no text holds (the non-characters U+FFFE and U+FFFF, a lone surrogate) made U+FFFD
    /// first: Normalize throws on those, and <see cref="Problem"/> refuses U+FFFD as unreadable.
    /// </summary>
    private static string Nfc(string value)
    {
        var readable = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
            readable.Append(rune.Value is 0xFFFE or 0xFFFF ? Rune.ReplacementChar.ToString() : rune.ToString());
        return readable.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Why the text cannot be stored, or null. Invalid UTF-8 arrives as U+FFFD.</summary>
    public static string? Problem(string value, bool multiline = false)
    {
        if (value.Contains('\uFFFD'))
            return RunnerText.Get("Problem.Unreadable");
        if (value.Any(c => char.IsControl(c) && !(multiline && c == '\n')))
            return RunnerText.Get("Problem.ControlCharacters");
        return null;
    }

    /// <summary>What runners are told when <see cref="Phone"/> refuses a number.</summary>
    public static string PhoneHint => RunnerText.Get("Field.Phone.Hint");

    public static bool IsEmail(string value) => value.Length <= 254 && EmailShape().IsMatch(value);

    /// <summary>
    /// A phone number as digits with an optional leading +: spaces, dots, dashes and brackets are
    /// dropped and a leading 00 becomes +. Null when what is left is not 6 to 15 digits.
    /// </summary>
    public static string? Phone(string? value)
    {
        var compact = PhoneSeparators().Replace(value ?? "", "");
        if (compact.StartsWith("00"))
            compact = "+" + compact[2..];
        return PhoneShape().IsMatch(compact) ? compact : null;
    }

    /// <summary>Whole years of age on a given day.</summary>
    public static int AgeOn(DateOnly birth, DateOnly day)
    {
        var age = day.Year - birth.Year;
        return birth > day.AddYears(-age) ? age - 1 : age;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"[\s.()\-/]")]
    private static partial Regex PhoneSeparators();

    [GeneratedRegex(@"^\+?[0-9]{6,15}$")]
    private static partial Regex PhoneShape();
}
