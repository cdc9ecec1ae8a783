"""Every context's tables, imported in dependency order: the metadata Alembic compares."""

from dinhdanh.accounts import models as account_models  # noqa: F401
from dinhdanh.enrollment import (
    application_models,  # noqa: F401
    campaign_models,  # noqa: F401
    level1_models,  # noqa: F401
)
from dinhdanh.enrollment import models as enrollment_models  # noqa: F401
from dinhdanh.oidc import models as oidc_models  # noqa: F401
from dinhdanh.partners import models as partner_models  # noqa: F401
from dinhdanh.platform import audit, idempotency, outbox  # noqa: F401
from dinhdanh.platform.db import Base
from dinhdanh.population import models as population_models  # noqa: F401
from dinhdanh.population import reference  # noqa: F401
from dinhdanh.staff import models as staff_models  # noqa: F401

metadata = Base.metadata
