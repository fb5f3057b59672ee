"""The Slack adapter: bolt listeners, Block Kit rendering and the Slack chat port."""
