"""The Discord adapter: a discord.py client, slash commands, vote buttons and the chat port."""
