using System.Globalization;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>The app's own runner texts, so a test finds a label or button in whichever language it runs.</summary>
public static class Texts
{
    public static string In(string language, string key, params object?[] args)
    {
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = Languages.Culture(language);
        try
        {
            return RunnerText.Get(key, args);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }
}
