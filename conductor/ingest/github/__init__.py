"""GitHub issues and pull requests as Conductor tasks: signed webhook deliveries, and the
REST API's list exports for rehearsing on a team's history. Nothing about people is read:
the payload models below hold only what the mapping needs."""
