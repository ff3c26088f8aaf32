import gc, sys
from tests.synthetic import generate_shift
from benchmarks.engine import _apply_all
import pickle
events = pickle.load(open('/tmp/events.pkl','rb'))
gc.disable()
_apply_all(events)
