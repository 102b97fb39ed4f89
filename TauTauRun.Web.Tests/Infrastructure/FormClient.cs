using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// Drives the app's forms as a browser without JavaScript does: GET the page, take every field of the
/// form (hidden ones too, the antiforgery token among them), change some, POST, and read the answer.
/// The HttpClient keeps cookies, so the antiforgery cookie goes along.
/// </summary>
public sealed class FormClient(HttpClient client)
{
    private static readonly HtmlParser Parser = new();

    public HttpClient Http => client;

    public async Task<IHtmlDocument> GetAsync(string url)
    {
        var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return await ParseAsync(response);
    }

    public static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response) =>
        Parser.ParseDocument(await response.Content.ReadAsStringAsync());

    /// <summary>The form's current values: inputs, checked boxes, selected options, text areas.</summary>
    public static Dictionary<string, string> Fields(IHtmlFormElement form)
    {
        var fields = new Dictionary<string, string>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement { Type: "checkbox" or "radio" } box when !box.IsChecked:
                case IHtmlInputElement { Type: "submit" }:
                    continue;
                case IHtmlInputElement input when !string.IsNullOrEmpty(input.Name):
                    fields.TryAdd(input.Name, input.Value);
                    break;
                case IHtmlSelectElement select when !string.IsNullOrEmpty(select.Name):
                    fields[select.Name] = select.Value ?? "";
                    break;
                case IHtmlTextAreaElement area when !string.IsNullOrEmpty(area.Name):
                    fields[area.Name] = area.Value;
                    break;
            }
        }
        return fields;
    }

    /// <summary>
    /// Posts the form found by <paramref name="selector"/> on <paramref name="page"/> with some values
    /// changed; by default the page's first own form (in <c>main</c>: the header has the language switch).
    /// </summary>
    public Task<HttpResponseMessage> SubmitAsync(IHtmlDocument page, string pageUrl, IReadOnlyDictionary<string, string> values, string selector = "main form")
    {
        var form = (IHtmlFormElement)(page.QuerySelector(selector) ?? throw new InvalidOperationException($"no {selector} on the page"));
        var fields = Fields(form);
        foreach (var (name, value) in values)
            fields[name] = value;
        var action = form.GetAttribute("action") is { Length: > 0 } target ? target : pageUrl;
        return client.PostAsync(action, new FormUrlEncodedContent(fields));
    }
}
