using System.Globalization;

namespace TauTauRun.Web.Localization;

/// <summary>
/// Runs code in a language: the current culture (dates, numbers, money) and UI culture (resource texts)
/// set to it, and the caller's own restored afterwards, even when the code throws. The one way a
/// message for a runner is written in their language, whatever request or job writes it.
/// </summary>
public static class InLanguage
{
    public static T Run<T>(string? code, Func<T> work)
    {
        using var scope = new Scope(code);
        return work();
    }

    /// <summary>The same for asynchronous work: the culture flows with it across its awaits.</summary>
    public static async Task<T> RunAsync<T>(string? code, Func<Task<T>> work)
    {
        using var scope = new Scope(code);
        return await work();
    }

    private sealed class Scope : IDisposable
    {
        private readonly CultureInfo culture = CultureInfo.CurrentCulture;
        private readonly CultureInfo uiCulture = CultureInfo.CurrentUICulture;

        public Scope(string? code) => CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = Languages.Culture(code);

        public void Dispose()
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
        }
    }
}
