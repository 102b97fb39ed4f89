using System.Globalization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// The usual road-race groups the timing company ranks runners in: under 20 (U20), seniors 20–34 (SEN),
/// then five-year masters groups (35, 40, …), prefixed with the gender: F35, MSEN, XU20.
/// </summary>
public static class AgeGroups
{
    /// <param name="age">Whole years on race day (<see cref="RunnerInput.AgeOn"/>).</param>
    public static string Of(string gender, int age) =>
        gender + (age < 20 ? "U20" : age < 35 ? "SEN" : (age / 5 * 5).ToString(CultureInfo.InvariantCulture));
}
