using Microsoft.AspNetCore.Mvc.ModelBinding;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages;

public static class RunnerFieldErrors
{
    /// <summary>
    /// Puts <see cref="RunnerFields"/>' messages beside the form's fields (<c>Prefix.Field</c>), except
    /// where model binding has already said what is wrong (a date that is not one). True if all is well.
    /// </summary>
    public static bool AddRunnerErrors(this ModelStateDictionary modelState, string prefix, RunnerFields fields)
    {
        foreach (var (field, message) in fields.Errors)
        {
            var key = $"{prefix}.{field}";
            if (modelState.TryGetValue(key, out var entry) && entry.Errors.Count > 0)
                continue;
            modelState.AddModelError(key, message);
        }
        return modelState.IsValid;
    }
}
