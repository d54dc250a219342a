"""Running and stopping processes for executors: process groups, output relays, completions."""
