/** The tool's name and version, as package.json gives them (a unit test keeps the two equal). */
export const TOOL_NAME = 'wwm-distill-workbench';
export const TOOL_VERSION = '0.1.0';
