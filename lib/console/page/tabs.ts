/** The console's tabs, in the order the page shows them (one import per tab). */
import type { ConsoleTab } from './context';
import { dashboardsTab } from './dashboards';
import { generatorTab } from './generator';
import { lakeTab } from './lake';
import { pipelineTab } from './pipeline';

export const TABS: ConsoleTab[] = [generatorTab, pipelineTab, dashboardsTab, lakeTab];
