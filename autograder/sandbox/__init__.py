"""The sandbox: where submission code runs, in a locked-down worker process."""
