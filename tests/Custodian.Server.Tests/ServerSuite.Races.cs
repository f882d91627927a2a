using System.Net;
using System.Text;

namespace Custodian.Server.Tests;

/// <summary>Concurrent first writes to one new session id: the session has one owner and one repository, whoever wins.</summary>
public abstract partial class ServerSuite
{
    [Fact]
    [Trait("spec", "ACC-1")]
    [Trait("spec", "ACC-2")]
    public async Task Concurrent_first_writes_to_a_new_session_cannot_share_it_across_users_or_repositories()
    {
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        var posters = new (string User, string Key, string Repository)[]
        {
            ("alice", alice, "repo-a"), ("alice", alice, "repo-b"), ("bob", bob, "repo-a"), ("alice", alice, "repo-a"), ("bob", bob, "repo-c"),
        };

        for (var round = 0; round < 15; round++)
        {
            var session = $"race-{round}";
            var replies = await Task.WhenAll(posters.Select(async p =>
            {
                using var client = new HttpClient { BaseAddress = BaseAddress };
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sessions/{session}/events")
                {
                    Content = new StringContent(EventsJson([$"{p.User}@{p.Repository}"]), Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", p.Key);
                request.Headers.Add(SessionRepositoryHeader, p.Repository);
                using var response = await client.SendAsync(request);
                return (Poster: p, response.StatusCode);
            }));

            var owner = await Db.TextAsync("SELECT account_id FROM sessions WHERE id = @s", ("s", session));
            var repository = await Db.TextAsync("SELECT repository FROM sessions WHERE id = @s", ("s", session));
            foreach (var (poster, status) in replies)
            {
                var allowed = poster.User == owner && poster.Repository == repository;
                Assert.True(allowed ? status == HttpStatusCode.Created : status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden,
                    $"{session} owned by {owner} in {repository}: {poster.User} posting from {poster.Repository} got {(int)status}");
            }

            Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND account_id <> @o", ("s", session), ("o", owner!)));
            Assert.Equal(0, await Db.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND payload NOT LIKE @r",
                ("s", session), ("r", $"%@{repository}%")));
        }
    }
}
