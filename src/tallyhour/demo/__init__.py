"""The demo MSP behind `tallyhour demo` and `make run`: a composition root, so it may use every
app's services and models; no app imports it."""
