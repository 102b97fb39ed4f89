using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace TauTauRun.Web.Admin;

/// <summary>
/// Every page under /admin needs a signed-in admin or volunteer (<see cref="SignedIn"/>, applied to the
/// folder), and a request that can change data (anything but GET and HEAD) needs the admin role unless
/// its page says volunteers may post (<see cref="VolunteersMayPostAttribute"/>: their own password,
/// logging out). <see cref="AdminRole"/> closes a whole page to volunteers.
/// </summary>
public static class AdminPolicies
{
    public const string SignedIn = "admin-signed-in";
    public const string AdminRole = "admin-role";
    public const string Admin = "admin";
    public const string Volunteer = "volunteer";

    /// <summary>
    /// Medical notes are health data, for the people who may act on them: the admin role sees them, a
    /// volunteer (say at the check-in table) does not.
    /// </summary>
    public static bool MaySeeMedicalNotes(ClaimsPrincipal user) => user.IsInRole(Admin);

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(SignedIn, policy => policy
            .RequireAuthenticatedUser()
            .RequireRole(Admin, Volunteer)
            .AddRequirements(new ChangesNeedAdminRole()));
        options.AddPolicy(AdminRole, policy => policy.RequireAuthenticatedUser().RequireRole(Admin));
    }
}

/// <summary>On a page model: volunteers may post to it too (it changes only their own account).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class VolunteersMayPostAttribute : Attribute;

public sealed class ChangesNeedAdminRole : IAuthorizationRequirement;

public sealed class ChangesNeedAdminRoleHandler : AuthorizationHandler<ChangesNeedAdminRole>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ChangesNeedAdminRole requirement)
    {
        // Without an HTTP request there is nothing to change; deny rather than guess.
        if (context.Resource is not HttpContext http)
            return Task.CompletedTask;
        var readOnly = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        var volunteersMayPost = http.GetEndpoint()?.Metadata.GetMetadata<VolunteersMayPostAttribute>() is not null;
        if (readOnly || volunteersMayPost || context.User.IsInRole(AdminPolicies.Admin))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
