"""The terminal adapter: a self-quiz and a local team channel."""
