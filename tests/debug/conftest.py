# covproject/ and programs/ are programs the tests run, not tests.
collect_ignore = ["covproject", "programs"]
