"""The crisis-care keys, in one place: the app binds them and every footer shows them first."""

SOS_KEY = "ctrl+s"  # not used by TextArea/Input (ctrl+e is "end of line" there)
SOS_KEY_LABEL = "Ctrl+S"
CRISIS_KEY = "f2"
ALERTS_KEY = "f3"
PLAN_KEY = "f4"
