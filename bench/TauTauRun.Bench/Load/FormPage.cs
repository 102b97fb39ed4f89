using System.Net;
using System.Text.RegularExpressions;

namespace TauTauRun.Bench.Load;

/// <summary>
/// What a browser takes from a form page to submit it: the post form's action (of the form holding the select), its hidden inputs (the
/// antiforgery token among them) and the choices of a select. Regular expressions rather than a DOM
/// parser keep the client's cost per page to a few microseconds, so the client does not become the bottleneck.
/// </summary>
public sealed partial record FormPage(string? Action, IReadOnlyList<KeyValuePair<string, string>> Hidden, IReadOnlyList<string> Choices)
{
    public static FormPage? Parse(string html, string selectName)
    {
        // The form that holds the select: the runner pages' header has a post form of its own (the language switch).
        var forms = PostForm().Matches(html);
        var form = forms.FirstOrDefault(f => f.Groups["body"].Value.Contains($"name=\"{selectName}\"")) ?? forms.FirstOrDefault();
        if (form is null)
            return null;
        var hidden = new List<KeyValuePair<string, string>>();
        foreach (Match input in Input().Matches(form.Groups["body"].Value))
        {
            var attributes = Attributes(input.Value);
            if (attributes.GetValueOrDefault("type") == "hidden" && attributes.TryGetValue("name", out var name))
                hidden.Add(new(name, attributes.GetValueOrDefault("value") ?? ""));
        }
        var choices = new List<string>();
        foreach (Match select in Select().Matches(form.Groups["body"].Value))
        {
            if (Attributes(select.Groups["tag"].Value).GetValueOrDefault("name") != selectName)
                continue;
            foreach (Match option in OptionValue().Matches(select.Groups["options"].Value))
                if (option.Groups[1].Value.Length > 0)
                    choices.Add(WebUtility.HtmlDecode(option.Groups[1].Value));
        }
        var action = Attributes(form.Groups["tag"].Value).GetValueOrDefault("action");
        return new FormPage(action, hidden, choices);
    }

    /// <summary>The texts a form page shows as errors (elements whose class starts with "error"), for diagnosis.</summary>
    public static IReadOnlyList<string> ErrorMessages(string html) =>
        ErrorText().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value).Trim()).Where(t => t.Length > 0).ToList();

    private static Dictionary<string, string> Attributes(string tag)
    {
        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match attribute in Attribute().Matches(tag))
            attributes[attribute.Groups[1].Value] = WebUtility.HtmlDecode(attribute.Groups[2].Value);
        return attributes;
    }

    [GeneratedRegex("""(?<tag><form\b[^>]*method="post"[^>]*>)(?<body>.*?)</form>""", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex PostForm();

    [GeneratedRegex("""class="(?:error|field-validation-error|validation-summary-errors)[^"]*"[^>]*>\s*([^<]+)<""", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorText();

    [GeneratedRegex("""<input\b[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex Input();

    [GeneratedRegex("""(?<tag><select\b[^>]*>)(?<options>.*?)</select>""", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Select();

    [GeneratedRegex("""<option\b[^>]*value="([^"]*)"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex OptionValue();

    [GeneratedRegex(@"([a-zA-Z_:][-\w.:]*)\s*=\s*""([^""]*)""")]
    private static partial Regex Attribute();
}
