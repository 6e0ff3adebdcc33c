"""The worker process that runs submissions, and the grader's side of talking to it."""
