def build_demo(session, months=6, seed=2026):
    raise NotImplementedError
