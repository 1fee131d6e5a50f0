import sys
from pathlib import Path

# The placement tests share instance builders (placement_instances.py). Under --import-mode=importlib
# the test directory is not on sys.path, so put it there for them.
sys.path.insert(0, str(Path(__file__).parent))
