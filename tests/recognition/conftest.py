# The returning student's story starts in mobility: reuse its fixtures.
from tests.mobility.conftest import agreement_ac_in_effect, enterprise, open_call, published_offer  # noqa: F401
from tests.mobility.test_during_mobility import accepted  # noqa: F401
