using TauTauRun.Web.Hosting;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A limit on what runners' forms may post per client address and minute. It is configurable
/// (<c>RateLimits:RunnerPostsPerMinute</c>, default 30) because a whole club registering from one
/// office, or a load test from one address, looks like one client.
/// </summary>
public static class RunnerRateLimits
{
    public const string Policy = "runner-posts";

    public static void AddRunnerRateLimits(this IServiceCollection services, IConfiguration configuration) =>
        services.AddPostLimit(Policy, configuration.GetValue("RateLimits:RunnerPostsPerMinute", 30));
}
