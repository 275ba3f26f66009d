import CNcursesw
import DashboardCore
