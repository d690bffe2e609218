"""planner/model"""
