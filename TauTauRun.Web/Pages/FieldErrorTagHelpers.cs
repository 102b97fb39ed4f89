using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace TauTauRun.Web.Pages;

/// <summary>
/// Ties a field's error to the field for assistive technology: an invalid field gets
/// <c>aria-invalid</c> and <c>aria-describedby</c> pointing at its message, whose element gets the id
/// <c>{field id}-error</c>. The error summary (<c>_FormErrors</c>) links to the same field ids.
/// </summary>
[HtmlTargetElement("input", Attributes = "asp-for")]
[HtmlTargetElement("select", Attributes = "asp-for")]
[HtmlTargetElement("textarea", Attributes = "asp-for")]
public sealed class InvalidFieldTagHelper : TagHelper
{
    [HtmlAttributeName("asp-for")]
    public ModelExpression For { get; set; } = null!;

    [ViewContext, HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    // After the framework's own tag helpers, which write the id.
    public override int Order => 100;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (FieldErrors.MessageId(ViewContext, For.Name) is { } messageId)
        {
            output.Attributes.SetAttribute("aria-invalid", "true");
            output.Attributes.SetAttribute("aria-describedby", messageId);
        }
    }
}

/// <summary>Gives a field's message element the id its field's <c>aria-describedby</c> names.</summary>
[HtmlTargetElement("span", Attributes = "asp-validation-for")]
public sealed class FieldMessageTagHelper : TagHelper
{
    [HtmlAttributeName("asp-validation-for")]
    public ModelExpression For { get; set; } = null!;

    [ViewContext, HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output) =>
        output.Attributes.SetAttribute("id", FieldErrors.FieldId(ViewContext, For.Name) + "-error");
}

public static class FieldErrors
{
    /// <summary>The id the framework gives a field's element (<c>Form.FullName</c> is <c>Form_FullName</c>).</summary>
    public static string FieldId(ViewContext view, string expression) =>
        TagBuilder.CreateSanitizedId(view.ViewData.TemplateInfo.GetFullHtmlFieldName(expression), "_");

    /// <summary>The id of the field's error message, or null when the field has no error.</summary>
    public static string? MessageId(ViewContext view, string expression)
    {
        var key = view.ViewData.TemplateInfo.GetFullHtmlFieldName(expression);
        return view.ViewData.ModelState.TryGetValue(key, out var entry) && entry.Errors.Count > 0
            ? FieldId(view, expression) + "-error"
            : null;
    }
}
