"""tools/accuracy"""
