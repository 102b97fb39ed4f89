using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace TauTauRun.Web.Admin;

/// <summary>
/// Every page under /admin needs a signed-in admin or volunteer (<see cref="SignedIn"/>, applied to the
/// folder), and a request that can change data (anything but GET and HEAD) needs the admin role unless
/// its page says volunteers may post (<see cref="VolunteersMayPostAttribute"/>: their own password,
/// logging out). <see cref="AdminRole"/> closes a whole page to volunteers. A session that has passed
/// only the password (<see cref="AdminSessions.PendingClaim"/>) reaches only the pages marked
/// <see cref="SecondStepAttribute"/>.
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
            .AddRequirements(new SessionFitsPage(), new ChangesNeedAdminRole()));
        options.AddPolicy(AdminRole, policy => policy.RequireAuthenticatedUser().RequireRole(Admin));
    }
}

/// <summary>On a page model: volunteers may post to it too (it changes only their own account).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class VolunteersMayPostAttribute : Attribute;

/// <summary>
/// On a page model: a login step after the password. A pending session may use it; a full session only
/// if <see cref="AlsoSignedIn"/> (setting up the authenticator later, say).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SecondStepAttribute : Attribute
{
    public bool AlsoSignedIn { get; init; }
}

public sealed class SessionFitsPage : IAuthorizationRequirement;

public sealed class SessionFitsPageHandler : AuthorizationHandler<SessionFitsPage>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SessionFitsPage requirement)
    {
        var step = (context.Resource as HttpContext)?.GetEndpoint()?.Metadata.GetMetadata<SecondStepAttribute>();
        var fits = AdminSessions.Pending(context.User) is null
            ? (context.User.IsInRole(AdminPolicies.Admin) || context.User.IsInRole(AdminPolicies.Volunteer)) && (step is null || step.AlsoSignedIn)
            : step is not null;
        if (fits)
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

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
        // A pending session has no role yet; SessionFitsPage has let it onto a second-step page only.
        var pendingStep = AdminSessions.Pending(context.User) is not null;
        if (readOnly || volunteersMayPost || pendingStep || context.User.IsInRole(AdminPolicies.Admin))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
