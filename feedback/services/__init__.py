"""Use cases. Each public function is one use case and, when it writes, one transaction."""
