"""planner/inputs"""
