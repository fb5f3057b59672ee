"""Platform edges of Rightsize: Slack, Discord and the terminal."""
